"""The app's state without Qt: photos and their states, the results cache with its byte budget,
export plans, which result supersedes which, and the jobs (plain functions taking `on_progress`,
`should_stop` and `emit`) that the GUI runs on its worker threads and observes."""
