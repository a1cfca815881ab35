"""The app's state without Qt: photos and their states, the results cache with its byte budget,
export plans, which result supersedes which, and the jobs (plain generator functions taking
`should_stop` and `on_progress`) that the GUI runs on its worker threads and observes."""
