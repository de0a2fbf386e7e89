"""From any cockpit tile to the page behind it (issue 23.2): on the demo park every tile the park's
staff see names a page, and that page opens for them."""

import pytest


@pytest.fixture
def demo_staff(db):
    from parkpilot.demo.services import demo_load
    from parkpilot.tenancy.models import User

    demo_load()
    return User.objects.get(username="staff")


def test_every_tile_links_to_a_page_that_opens(client, demo_staff):
    from parkpilot.cockpit.selectors import cockpit_tiles
    from parkpilot.tenancy.selectors import park_of

    tiles = cockpit_tiles(user=demo_staff, park=park_of(demo_staff))
    assert len(tiles) >= 12
    unlinked = [t.key for t in tiles if not t.error and not t.data.link]
    assert unlinked == []
    client.force_login(demo_staff)
    broken = {}
    for t in tiles:
        if t.error:
            continue
        status = client.get(t.data.link).status_code
        if status != 200:
            broken[t.key] = (t.data.link, status)
    assert broken == {}
    assert [t.key for t in tiles if t.error] == []
