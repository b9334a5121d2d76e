// Progress bars: poll each job's JSON status until it finishes or fails.
document.querySelectorAll("[data-job-url]").forEach((box) => {
  const bar = box.querySelector("progress");
  const step = box.querySelector(".step");
  const poll = async () => {
    const response = await fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) { step.textContent = "status unavailable"; return; }
    const job = await response.json();
    bar.value = job.progress;
    step.textContent = job.state === "failed" ? `failed: ${job.error}` : job.step;
    box.classList.toggle("failed", job.state === "failed");
    if (job.state === "queued" || job.state === "started") setTimeout(poll, 1000);
  };
  poll();
});
