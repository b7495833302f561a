/**
 * The block in the editor: a preview rendered by the server (the same markup shoppers see)
 * and the button's text in the sidebar. Plain JavaScript on WordPress's own globals, so the
 * plugin needs no build step.
 *
 * @package igsync-bridge
 */

( function ( blocks, element, blockEditor, components, ServerSideRender, i18n ) {
	var el = element.createElement;
	var __ = i18n.__;

	blocks.registerBlockType(
		'igsync/connect',
		{
			edit: function ( props ) {
				return el(
					element.Fragment,
					null,
					el(
						blockEditor.InspectorControls,
						null,
						el(
							components.PanelBody,
							{ title: __( 'Button', 'igsync-bridge' ) },
							el(
								components.TextControl,
								{
									label: __( 'Button text', 'igsync-bridge' ),
									help: __( 'Leave blank for "Connect with Instagram".', 'igsync-bridge' ),
									value: props.attributes.label,
									onChange: function ( label ) {
										props.setAttributes( { label: label } );
									},
								}
							)
						)
					),
					el(
						'div',
						blockEditor.useBlockProps(),
						el(
							ServerSideRender,
							{
								block: 'igsync/connect',
								attributes: props.attributes,
							}
						)
					)
				);
			},
			save: function () {
				return null;
			},
		}
	);
} )(
	window.wp.blocks,
	window.wp.element,
	window.wp.blockEditor,
	window.wp.components,
	window.wp.serverSideRender,
	window.wp.i18n
);
