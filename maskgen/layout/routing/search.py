"""Compiled inner loops of the router (numba): A* over grid nodes with a direction, conflict marking.

Grid elements: type 0 is a node's joint, type 1 + d the edge from a node to its neighbour in forward direction
d. `owner[t, n]` is -1 (free), a net index (only that net may use it: near its own terminals) or -2 (nobody);
`block[t, n]` counts the other nets' elements too close to it; `hist[t, n]` is the negotiated history cost.
numba compiles these once per machine (cached next to the module); it buys a ~100x faster search than Python.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from numba import njit

INF = math.inf
Arr = np.ndarray


@njit(cache=True)
def _cost(owner, block, hist, t, n, net, present, strict):
    o = owner[t, n]
    if o != -1 and o != net:
        return INF
    b = block[t, n]
    if b > 0 and strict:
        return INF
    return hist[t, n] + present * b


@njit(cache=True)
def astar(nx: int, ny: int, box: Arr, di: Arr, dj: Arr, steplen: Arr, edge_t: Arr, edge_back: Arr, turn: Arr,
          owner: Arr, block: Arr, hist: Arr, net: int, present: float, strict: bool, src_node: Arr, src_dir: Arr,
          src_cost: Arr, tgt_head: Arr, tgt_next: Arr, tgt_fin: Arr, hbox: Arr, pitch: float,
          manhattan: bool) -> tuple[Arr, int, int]:
    """Cheapest path (nodes, source index, target entry) inside box from any source to any target; empty if none.

    States are (node, direction arrived in); turn[d_from, d_to] is the bend cost (inf: not allowed), row ndir
    for a source without direction. Costs are in um: step length, bends, and per element entered pitch x
    (history + present x conflicts)."""
    i0, j0, i1, j1 = box
    bw = i1 - i0
    bh = j1 - j0
    nd = di.shape[0]
    ns = nd + 1
    size = bw * bh * ns
    g = np.full(size, INF)
    parent = np.full(size, -1, dtype=np.int64)
    closed = np.zeros(size, dtype=np.uint8)
    hx0, hy0, hx1, hy1 = hbox
    slope = math.sqrt(2.0) - 2.0
    heap = [(0.0, 0.0, np.int64(0))]   # (f, h, state): on equal f the state nearer the target first
    heap.pop()
    for k in range(src_node.shape[0]):
        n = src_node[k]
        i = n % nx
        j = n // nx
        if i < i0 or i >= i1 or j < j0 or j >= j1:
            continue
        c0 = _cost(owner, block, hist, 0, n, net, present, strict)
        if c0 == INF:
            continue
        s = ((j - j0) * bw + (i - i0)) * ns + src_dir[k]
        c = src_cost[k] + c0 * pitch
        if c < g[s]:
            g[s] = c
            parent[s] = -1 - k
            heapq.heappush(heap, (c, 0.0, s))
    best = INF
    best_state = -1
    best_entry = -1
    while len(heap) > 0:
        f, _, s = heapq.heappop(heap)
        if f >= best:
            break
        if closed[s]:
            continue
        closed[s] = 1
        d = s % ns
        loc = s // ns
        i = loc % bw + i0
        j = loc // bw + j0
        n = j * nx + i
        c = g[s]
        e = tgt_head[n]
        while e >= 0:
            fin = tgt_fin[e, d]
            if c + fin < best:
                best = c + fin
                best_state = int(s)
                best_entry = int(e)
            e = tgt_next[e]
        for d2 in range(nd):
            tc = turn[d, d2]
            if tc == INF:
                continue
            i2 = i + di[d2]
            j2 = j + dj[d2]
            if i2 < i0 or i2 >= i1 or j2 < j0 or j2 >= j1:
                continue
            n2 = j2 * nx + i2
            en = n2 if edge_back[d2] else n
            ce = _cost(owner, block, hist, edge_t[d2], en, net, present, strict)
            if ce == INF:
                continue
            cj = _cost(owner, block, hist, 0, n2, net, present, strict)
            if cj == INF:
                continue
            c2 = c + steplen[d2] + tc + (ce + cj) * pitch
            s2 = ((j2 - j0) * bw + (i2 - i0)) * ns + d2
            if c2 < g[s2]:
                g[s2] = c2
                parent[s2] = s
                dx = max(hx0 - i2, i2 - hx1, 0)
                dy = max(hy0 - j2, j2 - hy1, 0)
                if manhattan:
                    h = pitch * (dx + dy)
                else:
                    h = pitch * (dx + dy + slope * min(dx, dy))
                heapq.heappush(heap, (c2 + h, h, s2))
    if best_state < 0:
        return np.empty(0, dtype=np.int64), -1, -1
    out = []
    s = best_state
    while s >= 0:
        loc = s // ns
        out.append((loc // bw + j0) * nx + loc % bw + i0)
        s = parent[s]
    src = -1 - s
    path = np.empty(len(out), dtype=np.int64)
    for k in range(len(out)):
        path[k] = out[len(out) - 1 - k]
    return path, src, best_entry


@njit(cache=True)
def mark(block: Arr, types: Arr, nodes: Arr, nx: int, ny: int, st_ptr: Arr, st_di: Arr, st_dj: Arr,
         sign: int) -> None:
    """Add sign to block for every element too close to one of the given elements (conflict stencils)."""
    nt = block.shape[0]
    for k in range(types.shape[0]):
        a = types[k]
        n = nodes[k]
        i = n % nx
        j = n // nx
        for b in range(nt):
            p = a * nt + b
            for q in range(st_ptr[p], st_ptr[p + 1]):
                i2 = i + st_di[q]
                j2 = j + st_dj[q]
                if 0 <= i2 < nx and 0 <= j2 < ny:
                    block[b, j2 * nx + i2] += sign


@njit(cache=True)
def conflicts(block: Arr, types: Arr, nodes: Arr) -> int:
    """How many of the given elements other nets' elements are too close to."""
    c = 0
    for k in range(types.shape[0]):
        if block[types[k], nodes[k]] > 0:
            c += 1
    return c


@njit(cache=True)
def add_history(block: Arr, hist: Arr, types: Arr, nodes: Arr, amount: float) -> None:
    """Raise the history cost of the given elements that are in conflict."""
    for k in range(types.shape[0]):
        if block[types[k], nodes[k]] > 0:
            hist[types[k], nodes[k]] += amount
