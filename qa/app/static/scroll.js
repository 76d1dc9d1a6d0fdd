let done = '';
const go = () => {
  const box = element.querySelector('.qa-doc-body');
  const mark = element.querySelector('mark.qa-current');
  if (!box || !mark || !box.clientHeight || box.dataset.key === done) return;
  box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  done = box.dataset.key;
};
new MutationObserver(() => setTimeout(go, 20)).observe(element, {childList: true, subtree: true, attributes: true});
new ResizeObserver(go).observe(element);
