from ocr_cli.cli.app import main

main()
