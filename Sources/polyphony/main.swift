print("polyphony")
