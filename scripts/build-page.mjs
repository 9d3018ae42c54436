console.log("build-page placeholder")
