from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import (
    MqttTopic,
    NavItem,
    PageSection,
    ReportSection,
    ResidentEntry,
    Tile,
)
from parkpilot.tenancy.roles import Reach, RoleDef


class BusConfig(AppConfig):
    """数字巴士: the park's bus network, seats booked from the residents' app, checked on board."""

    name = "parkpilot.bus"
    label = "bus"
    verbose_name = _("Digital bus")
    api_router = "parkpilot.bus.api.router"
    urls = "parkpilot.bus.urls"
    roles = (
        RoleDef("bus_dispatcher", _("Bus dispatcher"), Reach.PARK),
        RoleDef("bus_driver", _("Bus driver"), Reach.PARK),
    )
    nav_items = (
        NavItem(_("Bus network"), "bus:network", order=45),
        NavItem(_("Driver's check"), "bus:driver", order=46),
        NavItem(_("Staff commuting"), "bus:staff", order=47),
    )
    resident_entries = (
        ResidentEntry(_("Digital bus"), "bus:timetable", "bus/icons/bus.svg", order=20),
        ResidentEntry(_("My rides"), "bus:mine", "bus/icons/ticket.svg", order=21),
        ResidentEntry(_("Demand-responsive bus"), "bus:demand_mine", "bus/icons/bus.svg", order=22),
    )
    demo_loader = "parkpilot.bus.demo.load"
    # GPS fixes from the on-board units' gateway, through energy's MQTT door (bus/handlers.py).
    mqtt_topics = (MqttTopic("bus-positions", "parkpilot.bus.handlers.on_positions_message"),)
    # Staff commuting (通勤) on the carbon pages and in the 碳体检报告 (bus/carbon_sections.py).
    page_sections = (
        PageSection("carbon.mine", "bus.commuting", "bus/_carbon_commuting.html",
                    "parkpilot.bus.carbon_sections.enterprise_page_section", order=50),
        PageSection("carbon.park", "bus.commuting", "bus/_carbon_commuting.html",
                    "parkpilot.bus.carbon_sections.park_page_section", order=50),
    )  # fmt: skip
    report_sections = (
        ReportSection("bus.commuting", _("Commuting by bus"),
                      "parkpilot.bus.carbon_sections.report_section", "bus/_report_commuting.html",
                      order=50),
    )  # fmt: skip

    @property
    def cockpit_tiles(self):
        from parkpilot.bus import rules

        return (
            Tile("bus.ridership", _("Bus riders"), "parkpilot.bus.selectors.ridership_tile",
                 rule=rules.NETWORK, order=60),
            Tile("bus.seats", _("Bus seats booked"), "parkpilot.bus.selectors.seats_tile",
                 rule=rules.NETWORK, order=61),
            Tile("bus.connections", _("Metro connections"),
                 "parkpilot.bus.selectors.connections_tile", rule=rules.NETWORK, order=62),
        )  # fmt: skip
