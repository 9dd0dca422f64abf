"""RDL router: nets of pad and bump terminals joined by lines at the rule's exact width and space.

Pure geometry in um: terminals and obstacles in, centre-lines out; nothing here draws files or knows the PDK.
See router.py for the method, geometry.py for the metal a line is drawn as.
"""

from maskgen.layout.routing.geometry import wire_metal
from maskgen.layout.routing.model import Net, Obstacle, Result, Rules, Terminal, Unrouted, Wire
from maskgen.layout.routing.router import corners, route

__all__ = ["Net", "Obstacle", "Result", "Rules", "Terminal", "Unrouted", "Wire", "corners", "route", "wire_metal"]
