"""The search page (/search/?q=...): the header's box lands here; htmx asks for the results alone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import agent_required
from inbox import search as finder


@agent_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    results = finder.search(user=request.user, query=query)
    template = "inbox/_search_results.html" if request.htmx else "inbox/search.html"
    return render(request, template, {"results": results, "q": query, "min_query": finder.MIN_QUERY})
