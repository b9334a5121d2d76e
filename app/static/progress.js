// Progress boxes: poll each running job's status. When a job seen running ends, the page's live
// parts (elements with data-refresh and an id) are fetched again from the server and swapped in,
// so a finished sync, generation or publish shows without a reload. No outside assets.
const followed = new Set();
let refreshTimer = null;

const pending = (state) => state === "queued" || state === "started";
const boxFor = (url) => document.querySelector(`[data-job-url="${CSS.escape(url)}"]`);

const show = (url, job) => {
  const box = boxFor(url);
  if (!box) return;
  box.querySelector("progress").value = job.progress;
  box.querySelector(".step").textContent = job.state === "failed" ? `failed: ${job.error}` : job.step;
  box.classList.remove("queued", "started", "finished", "failed");
  box.classList.add(job.state);
  box.dataset.state = job.state;
};

const refresh = async () => {
  const response = await fetch(location.href, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  document.querySelectorAll("[data-refresh][id]").forEach((part) => {
    const replacement = fresh.getElementById(part.id);
    if (!replacement) return;
    // The seller's ticked boxes survive the refresh.
    part.querySelectorAll("input[type=checkbox]:checked").forEach((input) => {
      const twin = replacement.querySelector(
        `input[name="${CSS.escape(input.name)}"][value="${CSS.escape(input.value)}"]`,
      );
      if (twin) twin.checked = true;
    });
    part.replaceWith(document.importNode(replacement, true));
  });
  document.querySelectorAll("[data-job-url]").forEach(follow);
};

const scheduleRefresh = () => {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 250); // jobs ending together refresh the page once
};

function follow(box) {
  const url = box.dataset.jobUrl;
  if (followed.has(url) || !pending(box.dataset.state)) return;
  followed.add(url); // kept after the job ends: the refreshed page shows it ended
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.status === 404) {
        boxFor(url)?.querySelector(".step")?.replaceChildren("status unavailable");
        return; // expired, or not this shop's job: nothing more to learn
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const job = await response.json();
      show(url, job);
      if (pending(job.state)) setTimeout(poll, 1000);
      else scheduleRefresh();
    } catch (error) {
      const box = boxFor(url);
      if (box) box.querySelector(".step").textContent = "status unavailable, retrying";
      setTimeout(poll, 5000);
    }
  };
  poll();
}

document.querySelectorAll("[data-job-url]").forEach(follow);
