"""Planning the week: the agenda of what is due, reminders and the daily digest."""
