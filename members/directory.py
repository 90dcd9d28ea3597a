from django.http import Http404


def directory(request):  # replaced by its owner in this session
    raise Http404


def profile(request, ags):
    raise Http404


def network_map(request):
    raise Http404
