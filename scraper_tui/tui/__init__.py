"""The Textual app: one screen per mode (Stats, History, Performance, Scrapers, Jobs) and a live metrics pane.

Contract between the app and its screens:

- `self.app.service` is the `ScraperService`; screens ask it and show the answer (never SQL, never the store).
- The app posts `messages.RunUpdate` (run events) and `messages.DataChanged` (the store changed) to the
  active screen; a screen that was hidden reloads in `on_screen_resume`.
- Long work runs in workers (`@work(exclusive=True)`), results are applied on the app's loop.
- Scraped text is shown with `rich.text.Text` (never markup).
"""
