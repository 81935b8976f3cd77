"""The old path of subscriber lists, kept for tasks queued before it moved.

A queued task is stored by its dotted path; rows written by an older
release name this module. The work lives in issues.readers.subscribers; nothing of ours
imports this module.
"""

from issues.readers.subscribers import send_invitations as send_invitations
