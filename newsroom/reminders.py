"""The old path of the reminders, kept for tasks queued before it moved.

A queued task is stored by its dotted path; rows written by an older
release name this module. The work lives in newsroom.planning.reminders; nothing of ours
imports this module.
"""

from newsroom.planning.reminders import check_deadlines as check_deadlines
