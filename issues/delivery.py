"""The old path of issue delivery, kept for tasks queued before it moved.

A queued task is stored by its dotted path; rows written by an older
release name this module. The work lives in issues.publishing.delivery; nothing of ours
imports this module.
"""

from issues.publishing.delivery import deliver_batch as deliver_batch
from issues.publishing.delivery import deliver_issue as deliver_issue
from issues.publishing.delivery import sweep_deliveries as sweep_deliveries
