from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.forms import ProfileForm
from accounts.selectors import user_membership
from accounts.services import user_profile_update


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            user_profile_update(user=user, **form.cleaned_data)
            messages.success(request, "Your details have been saved.")
            return redirect("accounts:profile")
    else:
        form = ProfileForm(
            initial={
                "full_name": user.full_name,
                "job_title": user.job_title,
                "organisation": user.organisation_id,
                "phone": user.phone,
            }
        )
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "membership": user_membership(user=user)},
    )
