/* Loads Google reCAPTCHA v3 only after the visitor starts filling in a protected form, and
   adds its token right before the form is sent. Without it, the server shows a form error. */
(function () {
  "use strict";
  // Read while this file runs: currentScript is null in the later focus handler. The CSP's
  // 'strict-dynamic' trusts the added script anyway; the nonce keeps it valid without that.
  var nonce = (document.currentScript || {}).nonce;
  document.querySelectorAll("input[data-recaptcha-key]").forEach(function (input) {
    var form = input.form, key = input.getAttribute("data-recaptcha-key"), loaded = false;
    form.addEventListener("focusin", function () {
      if (loaded) return;
      loaded = true;
      var s = document.createElement("script");
      s.src = "https://www.google.com/recaptcha/api.js?render=" + encodeURIComponent(key);
      s.async = true;
      if (nonce) s.nonce = nonce;
      document.head.appendChild(s);
    });
    form.addEventListener("submit", function (e) {
      if (input.value || !window.grecaptcha) return;
      e.preventDefault();
      window.grecaptcha.ready(function () {
        window.grecaptcha.execute(key, { action: input.getAttribute("data-recaptcha-action") })
          .then(function (token) { input.value = token; form.submit(); });
      });
    });
  });
})();
