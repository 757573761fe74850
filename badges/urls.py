app_name = "badges"

urlpatterns = []
