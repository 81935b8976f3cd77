"""The old path of password reset mail, kept for tasks queued before it moved.

A queued task is stored by its dotted path; rows written by an older
release name this module. The work lives in newsroom.security.passwords; nothing of ours
imports this module.
"""

from newsroom.security.passwords import send_password_reset as send_password_reset
