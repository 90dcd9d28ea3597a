from django.http import Http404


def self_check(request):  # replaced by its owner in this session
    raise Http404
