"""The newsroom's queued tasks, by the paths rows queued by older releases
name them.

A task is stored in the queue by its dotted path. Each task now lives with
its work (the module named here); these names keep a row queued before the
move runnable. Nothing of ours imports this module.
"""

from newsroom.planning.reminders import mail_desk_notice as mail_desk_notice
from newsroom.review.invitations import send_invitation as send_invitation
from newsroom.review.thread_mail import send_notices as send_notices
from newsroom.review.transition_mail import notify_story_transition as notify_story_transition
