"""Starting a Reverb replay server (embedded in the learner process or standalone).

Note: reverb 0.14's server always listens on every interface (`[::]:port`); it has no bind
address option. Clients built here connect through `localhost`; on a shared machine, restrict
the port with a firewall.
"""

import dataclasses
from typing import Optional

import reverb
from absl import logging

from chef import types
from chef.replay import tables as tables_lib


@dataclasses.dataclass
class ReplayServer:
    """A running server and how to reach it."""

    server: reverb.Server
    config: tables_lib.ReplayConfig
    host: str = "localhost"

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def client(self) -> reverb.Client:
        return reverb.Client(self.address)

    def stop(self) -> None:
        self.server.stop()


def start_server(
    config: tables_lib.ReplayConfig,
    port: Optional[int] = None,
    host: str = "localhost",
    signature: Optional[types.Transition] = None,
) -> ReplayServer:
    """Starts a server with the tables of `config` on `port` (a free one when None);
    `signature` types the data tables (see `tables.transition_signature`)."""
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"port must be in (0, 65536) or None, got {port}")
    server = reverb.Server(tables_lib.make_tables(config, signature), port=port)
    logging.info("Reverb server on port %d with tables %s", server.port, [config.variables_table, *config.data_tables])
    return ReplayServer(server=server, config=config, host=host)
