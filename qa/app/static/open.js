element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-open]');
  if (button) trigger('click', {open: button.dataset.open});
});
