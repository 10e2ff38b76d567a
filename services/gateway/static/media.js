// Recordings on the page: the answer videos and their poster frames.
import { identity, raw } from "/api.js";

/** Point ``video`` at an answer's recording. A browser with an identity streams it (range requests, its
 * cookie opens it); a session opened only by its token is fetched with the token and played from memory,
 * since a <video> cannot send headers. Resolves once the source is set. */
export async function loadVideo(video, sessionId, answerId) {
  const url = `/api/sessions/${sessionId}/answers/${answerId}/video`;
  const me = await identity();
  if (me.authenticated) {
    video.src = url;
  } else {
    const res = await raw(url, sessionId);
    video.src = URL.createObjectURL(await res.blob());
  }
  posterFrame(video);
}

/** A frame from about a second in as the video's poster: instead of a black box (the first frames of a
 * camera recording are often dark), the candidate sees themselves before pressing play. */
export function posterFrame(video, at = 1.0) {
  const probe = document.createElement("video");
  probe.muted = true;
  probe.preload = "auto";
  probe.src = video.currentSrc || video.src;
  const cleanup = () => { probe.removeAttribute("src"); probe.load(); };
  probe.addEventListener("loadedmetadata", () => {
    const d = Number.isFinite(probe.duration) ? probe.duration : at * 2;
    probe.currentTime = Math.min(at, d / 2);
  }, { once: true });
  probe.addEventListener("seeked", () => {
    try {
      const canvas = document.createElement("canvas");
      canvas.width = 480;
      canvas.height = Math.round((480 * (probe.videoHeight || 270)) / (probe.videoWidth || 480));
      canvas.getContext("2d").drawImage(probe, 0, 0, canvas.width, canvas.height);
      video.poster = canvas.toDataURL("image/jpeg", 0.8);
      video.dataset.poster = "frame";
    } catch (_) { /* no frame: the browser's default stays */ }
    cleanup();
  }, { once: true });
  probe.addEventListener("error", cleanup, { once: true });
}
