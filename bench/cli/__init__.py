"""The ``harmonybench`` command line: one module per command group."""

from __future__ import annotations

import sys

import typer

from harmonybench.cli.common import report_errors
from harmonybench.cli.compare import compare_command
from harmonybench.cli.demo import demo_command
from harmonybench.cli.leaderboard import leaderboard_command
from harmonybench.cli.listing import list_command
from harmonybench.cli.run import rescore_command, run_command
from harmonybench.cli.score import score_command


def build_app() -> typer.Typer:
    """The typer application with every command registered."""
    app = typer.Typer(
        name="harmonybench",
        help="Protocol-exact evaluation of models that read and write text in images.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.command("score")(score_command)
    app.command("run")(run_command)
    app.command("rescore")(rescore_command)
    app.command("compare")(compare_command)
    app.command("leaderboard")(leaderboard_command)
    app.command("list")(list_command)
    app.command("demo")(demo_command)
    return app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point; errors of ours exit 2 with one message on stderr."""
    app = build_app()
    with report_errors():
        app(args=argv if argv is not None else sys.argv[1:], prog_name="harmonybench")
