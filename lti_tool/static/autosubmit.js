// Submit the form that carries a launch or a deep linking response on to its destination, as
// LTI requires; without JavaScript the form's own button does it.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
