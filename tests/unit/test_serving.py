import asyncio
import socket

from jobyard.serving import tcp_listener


def test_connections_to_the_listener_have_nagles_algorithm_off():
    async def scenario() -> int:
        listener = tcp_listener("127.0.0.1", 0)
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connection, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        nodelay = await accepted
        writer.close()
        server.close()
        return nodelay

    assert asyncio.run(scenario()) != 0
