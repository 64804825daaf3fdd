def test_x(server):
    with server.client() as c:
        print(c.get("/mlprep/v1/health").text)
    print(server.log())
