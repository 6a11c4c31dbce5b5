// Pictures of evidence, blurred until the person chooses to look at one. The text
// alternative says what it is (a picture, its size, when it was captured), never what
// it shows, and whether it is blurred.

import { $, el, onLeave } from "./dom.js";
import { invoke } from "./calls.js";
import { bytes, t, when } from "./i18n.js";

const urls = [];

export function releaseImages() {
  for (const u of urls) URL.revokeObjectURL(u);
  urls.length = 0;
}
onLeave(releaseImages);

function altText(a, item, blurred) {
  return t(blurred ? "picture.alt_blurred" : "picture.alt", { size: bytes(a.size), time: when(item.captured_at) });
}

/// A preview of artifact `index` of `item`, blurred unless "always blur" is off.
export async function blurredImage(item, index, big) {
  const a = item.artifacts[index];
  const box = el("div", { class: `thumb blurred${big ? " big" : ""}`, "data-item": item.id });
  const img = el("img", { alt: altText(a, item, true) });
  const reveal = el("button", { type: "button", class: "reveal" }, t("picture.reveal"));
  const set = (blurred) => {
    box.classList.toggle("blurred", blurred);
    reveal.textContent = t(blurred ? "picture.reveal" : "picture.blur");
    img.alt = altText(a, item, blurred);
  };
  reveal.addEventListener("click", () => set(!box.classList.contains("blurred")));
  box.append(img);
  try {
    const buf = await invoke("artifact_bytes", { itemId: item.id, index });
    const url = URL.createObjectURL(new Blob([buf], { type: a.media_type }));
    urls.push(url);
    img.src = url;
  } catch (e) {
    box.replaceChildren(el("p", { class: "hint", lang: "en" }, e.message || String(e)));
    return box;
  }
  if (!$("always-blur").checked) set(false);
  return el("div", {}, box, el("div", {}, reveal));
}

/// Video `index` of `item`, never played until the person chooses: a note and a "Play"
/// button; only then are its bytes read from the vault (checked against its hash) and the
/// player shown, and "Stop" takes it away and frees them again.
export function videoPlayer(item, index) {
  const a = item.artifacts[index];
  const name = a.original_name || a.role;
  const box = el("div", { class: "player" });
  const idle = () => {
    const play = el("button", { type: "button", id: "item-play" }, t("video.play"));
    play.addEventListener("click", async () => {
      play.disabled = true;
      let url;
      try {
        const buf = await invoke("video_bytes", { itemId: item.id, index });
        url = URL.createObjectURL(new Blob([buf], { type: a.media_type }));
      } catch (e) {
        box.append(el("p", { class: "hint", lang: "en" }, e.message || String(e)));
        play.disabled = false;
        return;
      }
      urls.push(url);
      const video = el("video", { controls: true, src: url, "aria-label": t("video.label", { name }) });
      const stop = el("button", { type: "button", id: "item-stop" }, t("video.stop"));
      stop.addEventListener("click", () => {
        video.pause();
        video.removeAttribute("src");
        video.load();
        URL.revokeObjectURL(url);
        idle();
        $("item-play").focus();
      });
      box.replaceChildren(video, el("div", {}, stop));
      video.play().catch(() => {});
    });
    box.replaceChildren(el("p", { class: "hint" }, t("video.not_played", { name, size: bytes(a.size) })), play);
    if (withPoster) showPoster();
  };
  // A recording has its own poster file (shown blurred above); other videos get their
  // first frame, blurred in its pixels by the vault.
  const withPoster = !item.artifacts.some((x) => x.role === "poster");
  const showPoster = async () => {
    try {
      const buf = await invoke("video_poster", { itemId: item.id, index });
      const url = URL.createObjectURL(new Blob([buf], { type: "image/jpeg" }));
      urls.push(url);
      const poster = el("div", { class: "thumb big poster" }, el("img", { src: url, alt: t("video.poster_alt", { name }) }));
      if (box.querySelector("#item-play")) box.prepend(poster);
    } catch {
      // No FFmpeg, or a video it cannot read: the note and the button are enough.
    }
  };
  idle();
  return box;
}
