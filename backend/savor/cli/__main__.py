from savor.cli import app

app()
