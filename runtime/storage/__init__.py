"""Storage ports (objects, documents) and their adapters."""

from runtime.storage.documents import Doc, DocumentStore
from runtime.storage.objects import ObjectInfo, ObjectNotFound, ObjectStore, ObjectTooLarge

__all__ = ["Doc", "DocumentStore", "ObjectInfo", "ObjectNotFound", "ObjectStore", "ObjectTooLarge"]
