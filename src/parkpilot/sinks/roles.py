"""The sink registry's own role: a person who acts for a project's seller (the village
collective or the 收储 cooperative that pooled the plots). The role opens the sellers' pages;
which projects a person sells is `ProjectSeller` (services.seller_add), so a seller sees only
the projects it is named on."""

SINKS_SELLER = "sinks_seller"
