// Behaviour every page shares, kept out of the markup: the Content-Security-Policy allows no
// inline event handlers (docs/architecture.md, "Tenancy and security").

// A filter control marked data-autosubmit submits its form as soon as it changes.
document.addEventListener("change", function (event) {
  var control = event.target.closest("[data-autosubmit]");
  if (control && control.form) {
    control.form.submit();
  }
});
