/*
 * LTI Platform Storage (1EdTech "LTI Client Side postMessages" and "LTI Platform Storage").
 *
 * At login (data-step="login"): ask the platform window lti.capabilities, store state_<state>
 * and nonce_<nonce> with lti.put_data in the platform's storage frame, then go on to the
 * platform's authentication URL (data-next). Without an answer, fall back to the cookie login
 * (data-fallback).
 *
 * At launch (data-step="launch"): read both values back with lti.get_data; when they match,
 * send the launch again with fetch and the X-Leadpath-Platform-Storage header, then open the
 * page the answer names. Otherwise show why the launch was refused.
 *
 * Storage messages go only to the origin of the platform's authentication URL
 * (data-platform-origin) and only its answers are believed.
 */
(function () {
  "use strict";

  var TIMEOUT_MS = 4000;
  var root = document.getElementById("lti-storage");
  if (!root) {
    return;
  }
  var data = root.dataset;
  var platformOrigin = data.platformOrigin;
  var host = window.opener || (window.parent !== window ? window.parent : null);

  function messageId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // Post one message and wait for its answer (same message_id, subject + ".response").
  function ask(target, targetOrigin, message) {
    return new Promise(function (resolve, reject) {
      message.message_id = messageId();
      var timer = window.setTimeout(function () {
        window.removeEventListener("message", listen);
        reject(new Error("no answer to " + message.subject));
      }, TIMEOUT_MS);

      function listen(event) {
        var answer = event.data;
        if (!answer || typeof answer !== "object" || answer.message_id !== message.message_id ||
            answer.subject !== message.subject + ".response") {
          return;
        }
        if (targetOrigin !== "*" && event.origin !== targetOrigin) {
          return;
        }
        window.clearTimeout(timer);
        window.removeEventListener("message", listen);
        if (answer.error) {
          reject(new Error(message.subject + ": " + (answer.error.code || "error")));
        } else {
          resolve(answer);
        }
      }

      window.addEventListener("message", listen);
      try {
        target.postMessage(message, targetOrigin);
      } catch (err) {
        window.clearTimeout(timer);
        window.removeEventListener("message", listen);
        reject(err);
      }
    });
  }

  // The frame that keeps data: the one lti.capabilities names for `subject`, else
  // lti_storage_target; "_parent" is the platform window itself.
  function storageFrame(subject) {
    if (!host) {
      return Promise.reject(new Error("not inside a platform window"));
    }
    // The capabilities question carries nothing secret and the platform window's origin may
    // differ from its authentication URL's, so it goes to any origin.
    return ask(host, "*", { subject: "lti.capabilities" }).then(function (answer) {
      var supported = answer.supported_messages || [];
      var found = null;
      for (var i = 0; i < supported.length; i += 1) {
        if (supported[i] && supported[i].subject === subject) {
          found = supported[i];
        }
      }
      if (!found) {
        throw new Error("the platform does not offer " + subject);
      }
      var name = found.frame || data.target;
      var frame = name === "_parent" ? host : host.frames[name];
      if (!frame) {
        throw new Error("no platform frame named " + name);
      }
      return frame;
    });
  }

  function login() {
    var values = [["state_" + data.state, data.state], ["nonce_" + data.nonce, data.nonce]];
    storageFrame("lti.put_data").then(function (frame) {
      return Promise.all(values.map(function (pair) {
        return ask(frame, platformOrigin, { subject: "lti.put_data", key: pair[0], value: pair[1] });
      }));
    }).then(function () {
      window.location.replace(data.next);
    }, function () {
      window.location.replace(data.fallback);
    });
  }

  function refuse(detail, hint, code) {
    root.hidden = true;
    var failed = document.getElementById("lti-storage-failed");
    if (detail) {
      document.getElementById("lti-storage-reason").textContent = detail;
    }
    if (hint) {
      document.getElementById("lti-storage-hint").textContent = hint;
    }
    if (code) {
      var shown = document.getElementById("lti-storage-code");
      shown.textContent = code;
      shown.setAttribute("data-error-code", code);
    }
    failed.hidden = false;
  }

  function launch() {
    var expected = [["state_" + data.state, data.state], ["nonce_" + data.nonce, data.nonce]];
    storageFrame("lti.get_data").then(function (frame) {
      return Promise.all(expected.map(function (pair) {
        return ask(frame, platformOrigin, { subject: "lti.get_data", key: pair[0] })
          .then(function (answer) {
            if (answer.value !== pair[1]) {
              throw new Error("the platform holds another value for " + pair[0]);
            }
          });
      }));
    }).then(function () {
      return window.fetch(root.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(root)),
        credentials: "same-origin",
        redirect: "error",
        headers: { "Accept": "application/json", "X-Leadpath-Platform-Storage": "confirmed" }
      });
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok && body.location) {
          window.location.replace(body.location);
        } else {
          refuse(body.message, body.hint, body.error);
        }
      });
    }, function () {
      refuse();
    }).catch(function () {
      refuse();
    });
  }

  if (data.step === "login") {
    login();
  } else if (data.step === "launch") {
    launch();
  }
}());
