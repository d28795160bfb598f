// Tell the platform that opened the registration that it is done (LTI Dynamic Registration:
// org.imsglobal.lti.close), at once and when the button is pressed.
function closeRegistration() {
  (window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
}
document.getElementById("close-registration").addEventListener("click", closeRegistration);
closeRegistration();
