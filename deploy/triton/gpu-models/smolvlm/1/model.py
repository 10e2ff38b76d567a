"""Triton python backend: SmolVLM-Instruct (Idefics3) on GPU, strict JSON per frame.

Untested in CI: no GPU there, and no SmolVLM weights ship in any package.
The prompt and the JSON checking are services/vision/vlm.py, which is tested.
"""

import io
import json

import numpy as np
import triton_python_backend_utils as pb_utils  # type: ignore[import-not-found]


class TritonPythonModel:
    def initialize(self, args):  # noqa: D102 - Triton's fixed interface
        import torch
        from PIL import Image  # noqa: F401 - fail early if missing
        from transformers import AutoModelForVision2Seq, AutoProcessor

        from services.vision.vlm import PROMPT

        params = json.loads(args["model_config"])["parameters"]
        path = params["WEIGHTS_PATH"]["string_value"]
        self.max_new_tokens = int(params["MAX_NEW_TOKENS"]["string_value"])
        device_id = int(args.get("model_instance_device_id", 0))
        self.device = f"cuda:{device_id}" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        self.processor = AutoProcessor.from_pretrained(path, local_files_only=True)
        self.processor.tokenizer.padding_side = "left"  # batched generation
        self.model = AutoModelForVision2Seq.from_pretrained(path, torch_dtype=dtype, local_files_only=True)
        self.model.to(self.device).eval()
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": PROMPT}]}]
        self.prompt = self.processor.apply_chat_template(messages, add_generation_prompt=True)

    def execute(self, requests):  # noqa: D102
        import torch
        from PIL import Image

        from services.vision.vlm import parse_frame_json

        images, owners = [], []
        for r, request in enumerate(requests):
            for row in pb_utils.get_input_tensor_by_name(request, "JPEG").as_numpy():
                images.append([Image.open(io.BytesIO(bytes(row[0]))).convert("RGB")])
                owners.append(r)
        inputs = self.processor(text=[self.prompt] * len(images), images=images, return_tensors="pt", padding=True)
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.inference_mode():
            generated = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        texts = self.processor.batch_decode(generated[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
        per_request = [[] for _ in requests]
        for owner, text in zip(owners, texts):
            per_request[owner].append(json.dumps(parse_frame_json(text)))
        return [
            pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("JSON", np.array([[t] for t in out], dtype=object))])
            for out in per_request
        ]
