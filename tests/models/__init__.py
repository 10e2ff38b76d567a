"""Tests of the real models (Whisper, MediaPipe, MiniLM): what the fakes in tests/fakes.py stand in for."""
