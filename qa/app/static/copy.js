(markdown) => {
  const button = document.querySelector('#qa-copy');
  if (!markdown || !navigator.clipboard) return;
  navigator.clipboard.writeText(markdown).then(() => {
    if (!button) return;
    const label = button.textContent;
    button.textContent = 'Copied ✓';
    setTimeout(() => { button.textContent = label; }, 1500);
  });
}
