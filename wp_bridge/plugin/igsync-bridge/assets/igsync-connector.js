/**
 * The igsync card on Settings > Connectors: the connector's logo, name and description as
 * WordPress draws every card, a badge that says whether the site is paired and the
 * connection works, and a button to Settings > igsync. Its words come from PHP
 * (Igsync_Connector::card), already translated.
 *
 * @package igsync-bridge
 */

import {
	__experimentalRegisterConnector as registerConnector,
	__experimentalConnectorItem as ConnectorItem,
} from '@wordpress/connectors';

const { createElement: el } = window.wp.element;
const { Button, __experimentalHStack: HStack, __experimentalText: Text } = window.wp.components;

const source = document.getElementById( 'wp-script-module-data-igsync-connector' );
const card   = source ? JSON.parse( source.textContent ) : {};

// The badge's colours are those of WordPress's own "Connected" badge and its error intent.
const BADGE = {
	working: { color: '#345b37', backgroundColor: '#eff8f0' },
	failing: { color: '#470000', backgroundColor: '#f6e6e3' },
	unchecked: { color: '#1e1e1e', backgroundColor: '#f0f0f0' },
	not_paired: { color: '#1e1e1e', backgroundColor: '#f0f0f0' },
};

function StateBadge() {
	return el(
		'span',
		{
			className: 'igsync-connector__badge',
			style: {
				...( BADGE[ card.state ] || BADGE.unchecked ),
				padding: '4px 12px',
				borderRadius: '2px',
				fontSize: '13px',
				fontWeight: 500,
				whiteSpace: 'nowrap',
			},
		},
		card.label
	);
}

function IgsyncConnector( { name, description, logo } ) {
	return el(
		ConnectorItem,
		{
			className: 'connector-item--igsync',
			logo,
			name,
			description,
			actionArea: el(
				HStack,
				{ spacing: 3, expanded: false },
				el( StateBadge ),
				el(
					Button,
					{
						variant: 'not_paired' === card.state ? 'secondary' : 'tertiary',
						size: 'compact',
						href: card.settingsUrl,
					},
					card.action
				)
			),
		},
		el( Text, { className: 'igsync-connector__detail', size: 12 }, card.detail )
	);
}

registerConnector( 'igsync', { render: IgsyncConnector } );
