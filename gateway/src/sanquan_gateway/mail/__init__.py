"""E-mail as a second channel (issue #18): people who opt in get their notifications by e-mail, at once or as a
daily digest, through the configured SMTP relay (aiosmtplib)."""
