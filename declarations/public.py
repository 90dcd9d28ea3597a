from django.http import Http404


def _placeholder(request, *args, **kwargs):  # replaced by its owner in this session
    raise Http404


signatories = verify = verify_code = _placeholder
