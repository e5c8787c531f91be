"""An in-memory channel layer that works when web and workers share one process.

The embedded demo runs Celery work in threads beside daphne. Channels' InMemoryChannelLayer keeps
asyncio queues that only the event loop which awaits them may touch, so a group_send from a worker
thread (its own loop under async_to_sync) would never wake the websocket consumer. This layer
remembers the serving loop and hands cross-thread calls to it.
"""

import asyncio

from channels.layers import InMemoryChannelLayer


class ThreadSafeInMemoryChannelLayer(InMemoryChannelLayer):
    _home_loop: asyncio.AbstractEventLoop | None = None

    def _foreign_loop(self) -> asyncio.AbstractEventLoop | None:
        home = self._home_loop
        if home is None or home.is_closed() or not home.is_running():
            return None
        if asyncio.get_running_loop() is home:
            return None
        return home

    async def receive(self, channel):
        self._home_loop = asyncio.get_running_loop()
        return await super().receive(channel)

    async def group_add(self, group, channel):
        if (home := self._foreign_loop()) is not None:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(super().group_add(group, channel), home))
        return await super().group_add(group, channel)

    async def send(self, channel, message):
        if (home := self._foreign_loop()) is not None:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(super().send(channel, message), home))
        return await super().send(channel, message)

    async def group_send(self, group, message):
        if (home := self._foreign_loop()) is not None:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(super().group_send(group, message), home))
        return await super().group_send(group, message)
