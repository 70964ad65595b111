import asyncio

from jobyard.cluster.controllers import WorkQueue


def test_a_key_queued_twice_before_it_is_taken_is_processed_once():
    async def scenario():
        queue = WorkQueue()
        queue.add("a")
        queue.add("a")
        queue.add("b")
        taken = [await queue.get(), await queue.get()]
        try:
            await asyncio.wait_for(queue.get(), 0.05)
        except TimeoutError:
            taken.append(None)
        return taken

    assert asyncio.run(scenario()) == ["a", "b", None]


def test_a_delayed_key_arrives_after_its_delay_and_the_earlier_of_two_delays_wins():
    async def scenario():
        queue = WorkQueue()
        loop = asyncio.get_running_loop()
        start = loop.time()
        queue.add_after("a", 5)
        queue.add_after("a", 0.02)
        key = await queue.get()
        return key, loop.time() - start

    key, waited = asyncio.run(scenario())
    assert key == "a" and 0.015 <= waited < 1


def test_retries_back_off_exponentially_and_forget_resets_them():
    async def scenario():
        queue = WorkQueue()
        delays = []
        for _ in range(3):
            queue.retry("a")
            delays.append(queue._timers["a"].when() - asyncio.get_running_loop().time())
            queue._timers.pop("a").cancel()
        queue.forget("a")
        queue.retry("a")
        delays.append(queue._timers["a"].when() - asyncio.get_running_loop().time())
        queue.close()
        return delays

    first, second, third, after_forget = asyncio.run(scenario())
    assert first < second < third
    assert abs(second - 2 * first) < 0.005 and after_forget <= first + 0.001


def test_a_key_added_while_it_is_processed_waits_until_it_is_done():
    async def scenario():
        queue = WorkQueue()
        queue.add("a")
        taken = await queue.get()
        queue.add("a")
        try:
            await asyncio.wait_for(queue.get(), 0.05)
            second_worker_got_it = True
        except TimeoutError:
            second_worker_got_it = False
        queue.done(taken)
        again = await asyncio.wait_for(queue.get(), 0.05)
        return second_worker_got_it, again

    assert asyncio.run(scenario()) == (False, "a")
