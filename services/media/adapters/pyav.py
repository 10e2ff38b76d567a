"""Media extraction with PyAV (FFmpeg): validate, sample frames, audio to 16 kHz WAV, remux.

Two passes over the file. Pass 1 demuxes without decoding: keyframe times,
real duration (MediaRecorder WebM has no Duration element), codecs, damage.
Pass 2 demuxes once more and, per packet: decodes audio; decodes video only
where the sample plan needs it (keyframes, or a GOP holding an exact target);
and remuxes every packet into a seekable copy for playback.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from services.media.handlers import Extraction, Limits, MediaError
from services.media.sampling import SamplePlan, plan_samples

VIDEO_CODECS = {"vp8", "vp9", "h264", "av1", "hevc"}
AUDIO_CODECS = {"opus", "vorbis", "aac", "mp3", "flac", "pcm_s16le", "pcm_f32le"}
SAMPLE_RATE = 16_000


@dataclass
class _Probe:
    container: str
    video_codec: str
    audio_codec: str
    width: int
    height: int
    duration_s: float
    video_packets: int
    keyframes: list[float]


class PyAVExtractor:
    """Implements :class:`services.media.handlers.Extractor`."""

    def __init__(self) -> None:
        # Demuxer errors ("File ended prematurely") are how a cut-off upload
        # shows; FFmpeg collapses repeats, which would hide all but the first.
        av.logging.set_level(av.logging.ERROR)
        av.logging.set_skip_repeated(False)

    def extract(self, video: Path, workdir: Path, limits: Limits) -> Extraction:
        size = video.stat().st_size
        if size == 0:
            raise MediaError("empty_file", "The uploaded file is empty.")
        if size > limits.max_bytes:
            raise MediaError(
                "too_large", f"The video is {size / 1e6:.1f} MB; the limit is {limits.max_bytes / 1e6:.1f} MB."
            )
        probe = self._probe(video)
        if probe.duration_s > limits.max_duration_s:
            raise MediaError(
                "too_long", f"The answer lasts {probe.duration_s:.0f} s; the limit is {limits.max_duration_s:.0f} s."
            )
        if probe.duration_s < limits.min_duration_s:
            raise MediaError(
                "too_short",
                f"The answer lasts {probe.duration_s:.1f} s; record at least {limits.min_duration_s:.0f} s.",
            )
        plan = plan_samples(probe.keyframes, probe.duration_s, limits.frame_interval_s)
        return self._decode(video, workdir, probe, plan, limits)

    # ------------------------------------------------------------------ pass 1
    def _probe(self, video: Path) -> _Probe:
        try:
            container = av.open(str(video), metadata_errors="ignore")
        except (av.error.InvalidDataError, av.error.FFmpegError, UnicodeDecodeError) as exc:
            raise MediaError(
                "unreadable_container", "The file is not a readable WebM or MP4 video (or it is incomplete)."
            ) from exc
        with container:
            vstreams, astreams = container.streams.video, container.streams.audio
            if not vstreams:
                raise MediaError("no_video_stream", "The recording has sound but no video; check the camera.")
            if not astreams:
                raise MediaError("no_audio_stream", "The recording has video but no sound; check the microphone.")
            vs, aus = vstreams[0], astreams[0]
            vcodec, acodec = vs.codec_context.name, aus.codec_context.name
            if vcodec not in VIDEO_CODECS or acodec not in AUDIO_CODECS:
                raise MediaError(
                    "unsupported_codec", f"Codecs {vcodec}/{acodec} are not supported; use VP8/VP9/H.264 with Opus/AAC."
                )
            keyframes: list[float] = []
            end = 0.0
            packets = 0
            # Per-stream float time bases: packet.time_base builds a Fraction per
            # access, which cost more than the demuxing itself (~15k packets in 3 minutes).
            bases = {s.index: float(s.time_base) for s in (vs, aus) if s.time_base is not None}
            try:
                with av.logging.Capture() as demux_errors:
                    for packet in container.demux(vs, aus):
                        tb = bases.get(packet.stream_index)
                        if packet.pts is None or tb is None:
                            continue
                        t = packet.pts * tb
                        end = max(end, t + (packet.duration or 0) * tb)
                        if packet.stream_index == vs.index:
                            packets += 1
                            if packet.is_keyframe:
                                keyframes.append(t)
            except (av.error.FFmpegError, EOFError) as exc:
                raise MediaError("truncated", "The video is cut off or damaged; please record it again.") from exc
            if demux_errors:
                raise MediaError(
                    "truncated",
                    f"The video is cut off or damaged ({demux_errors[0][2].strip()}); please upload it again.",
                )
            declared = float(container.duration / av.time_base) if container.duration else None
            if packets == 0:
                raise MediaError("no_video_frames", "The video stream holds no frames.")
            if declared is not None and end < 0.9 * declared - 0.5:
                raise MediaError(
                    "truncated", f"The video stops at {end:.1f} s of {declared:.1f} s; the upload is incomplete."
                )
            start = float(vs.start_time * vs.time_base) if vs.start_time is not None and vs.time_base else 0.0
            return _Probe(
                container.format.name,
                vcodec,
                acodec,
                vs.codec_context.width,
                vs.codec_context.height,
                max(end - start, 0.0),
                packets,
                [k - start for k in keyframes],
            )

    # ------------------------------------------------------------------ pass 2
    def _decode(self, video: Path, workdir: Path, probe: _Probe, plan: SamplePlan, limits: Limits) -> Extraction:
        is_mp4 = "mp4" in probe.container
        playback = workdir / ("playback.mp4" if is_mp4 else "playback.webm")
        # The webm muxer takes only VP8/VP9/AV1 + Opus/Vorbis; H.264 recorded by
        # Chrome as "video/webm" goes back into Matroska, which Chrome plays.
        webm_ok = probe.video_codec in {"vp8", "vp9", "av1"} and probe.audio_codec in {"opus", "vorbis"}
        out_format = "mp4" if is_mp4 else ("webm" if webm_ok else "matroska")
        audio_path = workdir / "audio.wav"
        frames_dir = workdir / "frames"
        frames_dir.mkdir(exist_ok=True)
        grabber = _FrameGrabber(plan, frames_dir, limits)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        try:
            with (
                av.open(str(video)) as src,
                av.open(
                    str(playback), "w", format=out_format, options={"movflags": "+faststart"} if is_mp4 else {}
                ) as out,
                wave.open(str(audio_path), "wb") as wav,
            ):
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(SAMPLE_RATE)
                vs, aus = src.streams.video[0], src.streams.audio[0]
                vs.thread_type = "AUTO"
                grabber.attach(vs)
                outs = {vs.index: out.add_stream_from_template(vs), aus.index: out.add_stream_from_template(aus)}
                pcm = _PcmWriter(wav)
                for packet in src.demux(vs, aus):
                    # packet.stream, not packet.stream_index: the flush packets demux yields at the end
                    # carry stream_index 0 whatever their stream (Chrome's WebM has the audio at 0).
                    if packet.stream is vs:
                        grabber.feed(packet)
                    else:
                        for frame in packet.decode():
                            for chunk in resampler.resample(frame):  # type: ignore[arg-type]
                                pcm.add(chunk)
                    if packet.dts is not None:
                        packet.stream = outs[packet.stream_index]
                        out.mux(packet)
                grabber.flush()
                for chunk in resampler.resample(None):
                    pcm.add(chunk)
                pcm.flush()
        except av.error.FFmpegError as exc:
            raise MediaError("undecodable", f"The video could not be decoded ({exc.__class__.__name__}).") from exc
        if not grabber.frames:
            raise MediaError("no_video_frames", "No video frame could be decoded.")
        return Extraction(
            duration_s=round(probe.duration_s, 3),
            fps=round(probe.video_packets / probe.duration_s, 2) if probe.duration_s else None,
            width=probe.width,
            height=probe.height,
            audio_path=audio_path,
            frames=grabber.frames,
            playback_path=playback,
            playback_content_type="video/mp4" if is_mp4 else "video/webm",
            keyframe_frames=len(plan.keyframes),
            exact_frames=len(plan.exact),
        )


class _PcmWriter:
    """Buffers 16-bit mono PCM from the resampler and writes it to the WAV in ~1 s blocks.

    The plane's bytes are taken as they are (no ndarray per 20 ms frame): with
    one write per Opus packet the Python overhead outweighed the decoding.
    """

    BLOCK = SAMPLE_RATE * 2  # bytes: one second of s16 mono

    def __init__(self, wav: wave.Wave_write) -> None:
        self._wav = wav
        self._parts: list[bytes] = []
        self._size = 0

    def add(self, chunk: Any) -> None:
        data = bytes(chunk.planes[0])[: chunk.samples * 2]  # the plane may be padded past the samples
        self._parts.append(data)
        self._size += len(data)
        if self._size >= self.BLOCK:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            # writeframesraw: the header is written once, at close
            self._wav.writeframesraw(b"".join(self._parts))
            self._parts, self._size = [], 0


class _FrameGrabber:
    """Decodes only what the plan needs: keyframes, plus full GOPs around exact targets."""

    def __init__(self, plan: SamplePlan, out_dir: Path, limits: Limits) -> None:
        self.want_keys = set(plan.keyframes)
        self.exact = sorted(plan.exact)
        self.window_starts = {round(start, 3) for start in plan.windows.values()}
        self.out_dir = out_dir
        self.limits = limits
        self.frames: list[tuple[float, Path]] = []
        self._start = 0.0
        self._ctx: Any = None
        self._tb_f = 0.0
        self._in_window = False

    def attach(self, stream: Any) -> None:
        self._ctx = stream.codec_context
        self._ctx.skip_frame = "NONKEY"
        self._tb_f = float(stream.time_base)
        self._start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0

    def feed(self, packet: Any) -> None:
        if packet.is_keyframe and packet.pts is not None:
            t = round(packet.pts * self._tb_f - self._start, 3)
            # Full decode only from the keyframe that opens a GOP with exact targets.
            self._in_window = t in self.window_starts
            self._ctx.skip_frame = "DEFAULT" if self._in_window else "NONKEY"
        elif not self._in_window:
            return  # a delta frame nobody asked for: not even handed to the decoder
        for frame in packet.decode():
            self._consider(frame)

    def flush(self) -> None:
        try:
            for frame in self._ctx.decode(None):
                self._consider(frame)
        except av.error.EOFError:
            pass

    def _consider(self, frame: Any) -> None:
        if frame.pts is None:
            return
        t = frame.pts * self._tb_f - self._start
        take = False
        if frame.key_frame and any(abs(t - k) < 1e-3 for k in self.want_keys):
            take = True
        while self.exact and t >= self.exact[0] - 1e-3:
            self.exact.pop(0)
            take = True
        if take:
            self._save(frame, t)

    def _save(self, frame: Any, t: float) -> None:
        width = min(self.limits.frame_width, frame.width)
        height = max(2, round(frame.height * width / frame.width / 2) * 2)
        bgr = frame.reformat(width=width, height=height, format="bgr24").to_ndarray()
        ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, self.limits.jpeg_quality])
        if not ok:
            return
        path = self.out_dir / f"{len(self.frames):04d}_{round(t * 1000):07d}.jpg"
        path.write_bytes(np.asarray(jpeg).tobytes())
        self.frames.append((round(t, 3), path))
