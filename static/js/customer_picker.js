// A customer picker (customers/widgets.py): a customer ticked among the search's matches moves to
// the chosen ones, so that the next search (which replaces the matches) keeps it; the count says
// how many are ticked.
document.addEventListener("change", (event) => {
  const box = event.target;
  const picker = box.closest("[data-picker]");
  if (!picker) return;
  if (box.matches("[data-picker-found]") && box.checked) {
    box.removeAttribute("data-picker-found");
    picker.querySelector("[data-picker-chosen]").append(box.closest(".form-check"));
  }
  const chosen = picker.querySelectorAll("[data-picker-chosen] input[type=checkbox]:checked").length;
  picker.querySelector("[data-picker-count]").textContent = chosen;
});
