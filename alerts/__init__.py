"""Alert e-mails about padding flags, and the data engineers' failure mails.

settings.py  what the environment says (SMTP, recipients, severity), with the password kept secret
flags.py     the flags due for an alert, read from the warehouse
routing.py   who gets which flags (FINGERTIP_ALERT_TO and the unit routing file)
evidence.py  the SQL an analyst pastes to see the rows behind a flag
digest.py    one digest mail: subject, plain text, HTML
outbox.py    ops.alert_outbox in the warehouse: what is to be sent, what was sent
mailer.py    an SMTP session (smtplib), and the message built from an outbox row
dispatch.py  sends what the outbox holds, recording each result
run_failure.py  the mail to the data engineers when a run fails
"""
