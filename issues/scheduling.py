"""The old path of scheduled publication, kept for tasks queued before it moved.

A queued task is stored by its dotted path; rows written by an older
release name this module. The work lives in issues.publishing.scheduling; nothing of ours
imports this module.
"""

from issues.publishing.scheduling import publish_scheduled_issue as publish_scheduled_issue
