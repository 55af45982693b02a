"""Standalone Reverb replay server for actors and learners on other processes or machines.

    chef-replay-server --port=8000 --config.max_size=200000 --config.queue_size=1000

Serves the tables of chef.replay.tables.ReplayConfig (fields settable as --config.<field>)
until interrupted. Untyped tables take their signature from the first item written.
"""

from absl import flags, logging
from ml_collections import config_dict, config_flags

from chef.launch import cli
from chef.replay import server, tables
from chef.utils import config as config_lib

_PORT = flags.DEFINE_integer("port", None, "Port to serve on (a free one when unset).")
_CONFIG = config_flags.DEFINE_config_dict(
    "config", config_dict.ConfigDict(config_lib.to_dict(tables.ReplayConfig())), "Replay tables.", lock_config=True
)


def validate():
    config_lib.from_config(tables.ReplayConfig, _CONFIG.value, where="--config")


def main():
    config = config_lib.from_config(tables.ReplayConfig, _CONFIG.value, where="--config")
    running = server.start_server(config, port=_PORT.value)
    logging.info("Replay server at %s; tables:\n%s", running.address, config_lib.dumps(config))
    print(f"replay server listening on port {running.port}", flush=True)
    try:
        running.server.wait()
    except KeyboardInterrupt:
        logging.info("Interrupted; stopping the replay server.")
        running.stop()


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
