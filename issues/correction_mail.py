"""The old path of correction mail, kept for tasks queued before it moved.

A queued task is stored by its dotted path; rows written by an older
release name this module. The work lives in issues.corrections.mail; nothing of ours
imports this module.
"""

from issues.corrections.mail import mail_correction as mail_correction
