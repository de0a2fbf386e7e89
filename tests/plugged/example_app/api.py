from ninja import Router, Schema

router = Router(tags=["example"])


class HelloOut(Schema):
    park: str


@router.get("/hello", response=HelloOut)
def hello(request):
    return {"park": request.auth.park.code}
