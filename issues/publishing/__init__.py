"""Publishing an issue: render and store, schedule, deliver by mail, feeds and the calendar."""
