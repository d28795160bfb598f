#!/bin/sh
# Example manual registration of a Moodle 4.x site (values from Moodle's "Tool configuration
# details" after adding leadpath as an LTI 1.3 tool). Run once per client id.
leadpath platform add \
  --issuer https://moodle.example.ac.uk \
  --client-id Xy12AbCdEf34GhI \
  --auth-url https://moodle.example.ac.uk/mod/lti/auth.php \
  --token-url https://moodle.example.ac.uk/mod/lti/token.php \
  --jwks-url https://moodle.example.ac.uk/mod/lti/certs.php \
  --deployment-id 1 \
  --name "University of Example Moodle"
